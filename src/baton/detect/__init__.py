"""Detect: decide, on every turn, whether the AI must hand the conversation to a person."""

from baton.detect.detector import Detector, Models
from baton.detect.examples import Example, read_examples
from baton.detect.model import IntentModel, IntentPrediction, train_intent_model
from baton.detect.person_model import PersonModel, train_person_model
from baton.detect.state import DetectState
from baton.detect.training import load_models, train_models

__all__ = [
    "DetectState",
    "Detector",
    "Example",
    "IntentModel",
    "IntentPrediction",
    "Models",
    "PersonModel",
    "load_models",
    "read_examples",
    "train_intent_model",
    "train_models",
    "train_person_model",
]
