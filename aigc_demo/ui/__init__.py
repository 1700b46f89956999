"""The Gradio dashboard: `build_demo()` assembles the header, the model overview and one
small module per tab. Tabs only lay out widgets and call `Studio` methods."""
