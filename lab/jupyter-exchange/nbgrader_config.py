"""The student's side of nbgrader's exchange (``make lab-exchange``): which course to fetch
from and submit to, and where the exchange folder is (``COURSE_EXCHANGE``, the folder the
instructor releases into). nbgrader names the student after the login (on a JupyterHub whose
users are all ``jovyan``, after ``JUPYTERHUB_USER``); ``COURSE_STUDENT`` overrides it."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "deep-learning"
if os.environ.get("COURSE_EXCHANGE"):
    c.Exchange.root = os.path.abspath(os.environ["COURSE_EXCHANGE"])
if os.environ.get("COURSE_STUDENT"):
    c.CourseDirectory.student_id = os.environ["COURSE_STUDENT"]
