from ninja import Router

router = Router(tags=["conversations"])

# The participant endpoints (join, next, votes, statements, my-votes): conversations/api_participant.py.
from commonweal.conversations.participate.api import router as participant_router  # noqa: E402

router.add_router("", participant_router)

# The participant's data rights (see their data, delete it): conversations/rights/api.py.
from commonweal.conversations.rights.api import router as rights_router  # noqa: E402

router.add_router("", rights_router)

# The facilitator and moderator endpoints (token authenticated), under /api/manage/: conversations/api_manage.py.
from commonweal.conversations.facilitate.api import router as manage_router  # noqa: E402

router.add_router("/manage", manage_router)
