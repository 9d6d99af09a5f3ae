"""URL preprocessing for phishing-URL detection."""

from lib_ml.labels import LABELS, decode_label, encode_label, encode_labels
from lib_ml.padding import pad_sequences
from lib_ml.tokenizer import OOV_INDEX, PAD_INDEX, CharTokenizer
from lib_ml.version import UNKNOWN_VERSION, installed_version

__version__ = installed_version()

__all__ = [
    "LABELS",
    "OOV_INDEX",
    "PAD_INDEX",
    "UNKNOWN_VERSION",
    "CharTokenizer",
    "__version__",
    "decode_label",
    "encode_label",
    "encode_labels",
    "installed_version",
    "pad_sequences",
]
