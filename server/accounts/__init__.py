"""People: users with one role each (workflows.Role), departments, API tokens.

A department user belongs to exactly one department and sees only its cases.
"""
