from ninja import Router

router = Router(tags=["conversations"])

# The participant endpoints (join, next, votes, statements, my-votes): conversations/api_participant.py.
from .api_participant import router as participant_router  # noqa: E402

router.add_router("", participant_router)
