urlpatterns: list = []  # facilitator and moderator pages, relative to /manage/conversations/
