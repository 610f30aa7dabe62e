"""The system map's pages, in three parts:

- ``urls_system``: the network page of a system (measures over rounds), import and export, under
  /manage/systems/<system>/network/;
- ``urls_survey``: survey rounds for facilitators (/manage/systems/<system>/network/rounds/...) and the
  relationship survey for respondents (/survey/<token>/...), who need no account;
- ``urls_map``: the map, each organisation's "my part", interdependencies and joint work.
"""

from commonweal.network.map import urls as urls_map
from commonweal.network.survey import urls as urls_survey
from commonweal.network.system import urls as urls_system

app_name = "network"
urlpatterns = [*urls_system.urlpatterns, *urls_survey.urlpatterns, *urls_map.urlpatterns]
