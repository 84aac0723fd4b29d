"""Capstone 4's fixtures: your ship() on moto, with your Capstone 4 image.

The image (`watched_image`), SageMaker's data plane (`run_endpoint`) and the traffic live in
fixtures/engines/docker/watched.py; this file only binds them to this capstone's code.
"""

import pytest

from fixtures import lesson_module
from fixtures.data.digits import drift_reference

BUCKET = "kata-models"


@pytest.fixture
def shipped(aws, watched_image_later, serving_model, tmp_path):
    """ship(version, name="digits", model_file=the digit model) -> what your ship() returned:
    your kata 4.c.2 on moto, deploying your Capstone 4 image (built when first called)."""
    s3 = aws.client("s3")
    aws.reader("s3").create_bucket(Bucket=BUCKET)
    role = aws.role()

    def ship(version: str, name: str = "digits", model_file=None):
        module = lesson_module(__file__, "ship")
        image = watched_image_later()
        return module.ship(aws.client("sagemaker"), s3, name=name, image_uri=image.tag,
                           model_file=model_file or serving_model.onnx_path, reference=drift_reference(), bucket=BUCKET,
                           role_arn=role, version=version, workdir=tmp_path / f"ship-{name}-{version}")
    return ship
