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
