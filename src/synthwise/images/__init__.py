"""Image data: an :class:`ImageSet` (arrays in [0, 1] plus class labels), reading and writing image
folders, ``.npz`` files and tables of image paths, resizing to a working size and back, perceptual
hashes, and the bundled image sets (Fashion-MNIST from Debian, scikit-learn digits, scikit-image
``lfw_subset``). Numpy and Pillow only; no torch."""

from synthwise.images.data import ImageSet, resize
from synthwise.images.io import is_image_source, read_images, write_images

__all__ = ["ImageSet", "is_image_source", "read_images", "resize", "write_images"]
