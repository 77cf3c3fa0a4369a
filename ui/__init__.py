"""Streamlit glue shared by app.py and the pages: cached data, view state, common widgets.

Kept thin: it calls into ``atlas`` and ``loaders`` and only adds what Streamlit needs.
"""
