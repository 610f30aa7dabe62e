"""The report, its PDF and its secret share links (names ``reports:report*``, ``reports:share*``)."""

urlpatterns: list = []
