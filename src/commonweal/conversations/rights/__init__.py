"""Participants' data rights: see, download and delete their own data; a facilitator's erasure on request; and
the retention period after which a closed conversation's participant data is erased.

``queries.py`` reads (what is held about a participant, what an erasure would remove, the "erasure" notes of
results and exports, what retention is due); ``actions.py`` erases (one action for all three ways); ``schedule.py``
runs retention once a day from the analysis worker; ``views.py``, ``api.py``, ``urls.py``, ``forms.py`` and
``cli.py`` (``commonweal retention``) call them. The choices are explained in ``docs/data-rights.md``.
"""
