"""The pages people work in: the centre console and the department terminal (more in issue 5).

Pages are thin: they read through the same REST API as every client and listen on
``/ws/events/``; they never write case state themselves.
"""
