from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.all_leads_page, name="list"),
    path("mine/", views.my_leads_page, name="mine"),
    path("team/", views.team_page, name="team"),
    path("pool/", views.pool_page, name="pool"),
    path("follow-ups/", views.follow_ups_page, name="follow_ups"),
    path("follow-ups/export.csv", views.follow_ups_export_csv, name="follow_ups_csv"),
    path("follow-ups/export.xlsx", views.follow_ups_export_xlsx, name="follow_ups_xlsx"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/follow-up/", views.follow_up_log, name="follow_up"),
    path("<int:pk>/reassign/", views.lead_reassign, name="reassign"),
    path("<int:pk>/qualify/", views.lead_qualify_view, name="qualify"),
    path("<int:pk>/win/", views.lead_win_view, name="win"),
    path("<int:pk>/lose/", views.lead_lose_view, name="lose"),
    path("<int:pk>/claim/", views.lead_claim_view, name="claim"),
]

# Lead quality: disputes and rulings (leads/views/quality.py), inspection of follow-ups
# (leads/views/inspection.py).
urlpatterns += [
    path("<int:pk>/dispute/", views.dispute_open_view, name="dispute_open"),
    path("quality/disputes/", views.dispute_queue, name="disputes"),
    path("quality/disputes/<int:pk>/", views.dispute_page, name="dispute"),
    path("quality/disputes/<int:pk>/rule/", views.dispute_rule_view, name="dispute_rule"),
    path("quality/disputes/<int:pk>/rulings/<int:ruling_pk>/correct/",
         views.ruling_correct_view, name="ruling_correct"),
    path("quality/disputes/<int:pk>/files/<int:file_pk>/", views.dispute_file,
         name="dispute_file"),
    path("quality/inspections/", views.inspection_queue, name="inspections"),
    path("quality/inspections/<int:pk>/", views.inspection_page, name="inspection"),
    path("quality/inspections/<int:pk>/score/", views.inspection_score_view,
         name="inspection_score"),
    path("quality/results/", views.quality_results, name="quality_results"),
]

# The file import (leads/views/imports.py), under /leads/import/ in its own namespace
# "leads_import": coordination/urls.py includes it as (import_urlpatterns, "leads_import").
import_urlpatterns = [
    path("", views.import_upload, name="upload"),
    path("template.csv", views.import_template_download, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/cancel/", views.import_cancel, name="cancel"),
    path("<int:pk>/rows.csv", views.import_problems_download, name="problems"),
]
