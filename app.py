"""AIGC Studio: entry point (`python app.py`, `make run`, and the Hugging Face Spaces app_file)."""

from aigc_demo.ui.app import build_demo, launch

demo = build_demo()

if __name__ == "__main__":
    launch(demo)
