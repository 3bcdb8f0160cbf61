from django.urls import path

from leads import views, views_quality

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

# Lead quality: disputes and rulings, inspection of follow-ups (leads/views_quality.py).
urlpatterns += [
    path("<int:pk>/dispute/", views_quality.dispute_open_view, name="dispute_open"),
    path("quality/disputes/", views_quality.dispute_queue, name="disputes"),
    path("quality/disputes/<int:pk>/", views_quality.dispute_page, name="dispute"),
    path("quality/disputes/<int:pk>/rule/", views_quality.dispute_rule_view,
         name="dispute_rule"),
    path("quality/disputes/<int:pk>/rulings/<int:ruling_pk>/correct/",
         views_quality.ruling_correct_view, name="ruling_correct"),
    path("quality/disputes/<int:pk>/files/<int:file_pk>/", views_quality.dispute_file,
         name="dispute_file"),
    path("quality/inspections/", views_quality.inspection_queue, name="inspections"),
    path("quality/inspections/<int:pk>/", views_quality.inspection_page, name="inspection"),
    path("quality/inspections/<int:pk>/score/", views_quality.inspection_score_view,
         name="inspection_score"),
    path("quality/results/", views_quality.quality_results, name="quality_results"),
]
