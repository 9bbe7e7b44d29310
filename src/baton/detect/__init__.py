"""Detect: decide, on every turn, whether the AI must hand the conversation to a person."""

from baton.detect.detector import Detector
from baton.detect.state import DetectState

__all__ = ["DetectState", "Detector"]
