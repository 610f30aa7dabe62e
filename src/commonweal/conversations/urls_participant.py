urlpatterns: list = []  # participant pages, relative to /c/
