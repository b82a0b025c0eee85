"""People: users with one role each (workflows.Role), departments, API tokens, and what each
may see and do (``access``: the one access module every view, page, socket and export asks).

A department user belongs to exactly one department and sees only its cases. The bottom layer:
imports no other server app (``access`` says how it still answers questions about cases).
"""
