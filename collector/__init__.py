"""TraqNext collector: what runs on an employee's computer (``traq collect``).

``collector.sources`` holds the capture sources (input counts, active window, idle,
screenshots, privacy filters), each behind a small interface so that tests drive them
under Xvfb. Nothing is imported here: the collector must stay light, and platform
libraries (pynput, python-xlib, mss) are imported only by the source that needs them.
"""
