"""The app's named API endpoints (Gradio's "Use via API" page): compare, arena, classroom."""
