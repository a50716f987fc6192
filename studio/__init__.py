"""What `langgraph dev --config studio/langgraph.json` serves."""
