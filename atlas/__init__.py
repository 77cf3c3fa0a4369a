"""Mali Security Atlas: the Streamlit-free core (view state, filters, map building, CLI)."""

__version__ = "0.1.0"
