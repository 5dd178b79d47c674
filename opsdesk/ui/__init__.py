"""The Qt shell. The only package that imports PySide6 or pyqtgraph."""
