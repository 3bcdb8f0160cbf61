app_name = "leads_import"

# The file-import pages register here.
urlpatterns: list = []
