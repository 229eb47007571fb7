"""The seam to boto3: the only module that imports it. An S3-compatible bucket behind a few small calls.

Every failure to reach the store, and every missing or unusable credential, becomes `StoreUnavailable`, which
the service answers with a 503; an object that changed under a conditional call becomes `ObjectChanged`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

log = logging.getLogger(__name__)

# DeleteObjects takes at most this many keys per call.
DELETE_BATCH = 1000
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
ALREADY_THERE = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


class StoreUnavailable(Exception):
    """The object store cannot be reached, has no credentials, or answered with a server error."""


class ObjectChanged(Exception):
    """The object is no longer the version that was checked (a conditional read or copy was refused)."""


# The provider in boto3's credential chain that asks the EC2 instance metadata service (a network call).
INSTANCE_METADATA = "iam-role"
PRECONDITION_FAILED = {"PreconditionFailed", "412"}
# What a store answers when the API's key is unknown, wrong, expired or not allowed (a HEAD has no body: "403").
REFUSED_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AccessDenied",
    "403",
}


def credentials_available() -> bool:
    """Whether boto3's default chain finds credentials here (environment, config files, container or web role).

    For the start-up check, so it must not wait on the network: the instance metadata service is left out of
    the chain unless AWS_EC2_METADATA_DISABLED is explicitly `false` (on EC2 with an instance profile, set
    that). A private botocore session, so the process's own chain is untouched.
    """
    session = botocore.session.get_session()
    if os.environ.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() != "false":
        session.get_component("credential_provider").remove(INSTANCE_METADATA)  # absent: nothing to do
    try:
        return session.get_credentials() is not None
    except BotoCoreError:  # a broken profile or credential process counts as none
        return False


@dataclass(frozen=True)
class StoredObject:
    """What the store recorded about an object: its real size, the type the uploader claimed, its metadata."""

    size: int
    content_type: str
    metadata: dict[str, str]
    # The version the store holds: conditional reads and copies name it, so what was checked is what is used.
    etag: str = ""


@dataclass(frozen=True)
class StoreSettings:
    """Where the bucket is and how to reach it; hashable, so an app keeps one client per settings."""

    bucket: str
    region: str
    endpoint_url: str | None = None
    public_endpoint_url: str | None = None
    addressing_style: str | None = None
    timeout: float = 5
    # Only for the embedded store; otherwise boto3 finds credentials itself (environment, instance role).
    access_key: str | None = None
    secret_key: str | None = None


@contextmanager
def store_calls(action: str) -> Iterator[None]:
    """Turn the ways a call to the store fails (unreachable, no credentials, 5xx) into `StoreUnavailable`."""
    try:
        yield
    except NoCredentialsError:
        log.error("object store: no credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an instance role)")
        raise StoreUnavailable() from None
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        if code in REFUSED_CREDENTIALS:  # the API's own credentials: not the client's fault, and not a 500
            log.error("object store: %s refused the API's credentials (%s)", action, code)
            raise StoreUnavailable() from None
        if status >= 500:
            log.error("object store: %s answered %s", action, status)
            raise StoreUnavailable() from None
        raise
    except BotoCoreError as error:  # connection refused, timeouts, connections closed mid-answer
        log.error("object store unreachable during %s: %s", action, type(error).__name__)
        raise StoreUnavailable() from None


class ObjectStore:
    """One bucket. Server calls go to `endpoint_url`; URLs handed to clients are signed for the public endpoint."""

    def __init__(self, settings: StoreSettings) -> None:
        # botocore logs every request it signs at DEBUG (canonical requests, signatures): never below INFO.
        for name in ("botocore", "boto3"):
            logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
        self.settings = settings
        self.bucket = settings.bucket
        self._client = self._make_client(settings.endpoint_url)
        public = settings.public_endpoint_url
        self._signer = self._client if not public or public == settings.endpoint_url else self._make_client(public)

    def _make_client(self, endpoint_url: str | None) -> Any:
        s = self.settings
        config = BotoConfig(
            signature_version="s3v4",
            connect_timeout=s.timeout,
            read_timeout=s.timeout,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": s.addressing_style} if s.addressing_style else None,
            # Checksums only where S3 requires them: many S3-compatible stores refuse the newer CRC headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        credentials = {}
        if s.access_key:
            credentials = {"aws_access_key_id": s.access_key, "aws_secret_access_key": s.secret_key}
        # A session per client: boto3's default session is not safe to share between threads creating clients.
        self._session = boto3.session.Session(**credentials)
        return self._session.client("s3", endpoint_url=endpoint_url, region_name=s.region, config=config)

    def _can_sign(self) -> None:
        """StoreUnavailable when there are no credentials to sign with (botocore would fail on `None` instead)."""
        if self._session.get_credentials() is None:
            log.error("object store: no credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an instance role)")
            raise StoreUnavailable()

    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires: int
    ) -> tuple[str, dict[str, str]]:
        """The URL and form fields that let a client POST exactly one object at `key`, within `conditions`."""
        with store_calls("sign"):  # signing is local, but finding credentials may fail
            self._can_sign()
            grant = self._signer.generate_presigned_post(
                self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires
            )
        return grant["url"], grant["fields"]

    def presigned_get(self, key: str, expires: int, *, content_type: str, disposition: str) -> str:
        """A URL that reads `key` for `expires` seconds, with the response headers forced to the given values."""
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        with store_calls("sign"):
            self._can_sign()
            return self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def head(self, key: str) -> StoredObject | None:
        """What the store holds at `key`, or None."""
        try:
            with store_calls("head"):
                answer = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_FOUND:
                return None
            raise
        return StoredObject(
            size=answer["ContentLength"],
            content_type=answer.get("ContentType", ""),
            metadata={k.lower(): v for k, v in answer.get("Metadata", {}).items()},
            etag=answer.get("ETag", ""),
        )

    def first_bytes(self, key: str, count: int, *, etag: str) -> bytes:
        """Up to `count` bytes from the start of the object at version `etag` (b"" if it vanished meanwhile).

        ObjectChanged when another version has replaced it.
        """
        try:
            with store_calls("read"):
                answer = self._client.get_object(
                    Bucket=self.bucket, Key=key, Range=f"bytes=0-{count - 1}", IfMatch=etag
                )
                with answer["Body"] as body:
                    return body.read(count)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in PRECONDITION_FAILED:
                raise ObjectChanged(key) from None
            if code in (*NOT_FOUND, "InvalidRange"):
                return b""
            raise

    def copy(
        self, source: str, target: str, *, etag: str, content_type: str, disposition: str, metadata: dict[str, str]
    ) -> None:
        """Copy version `etag` of `source` inside the bucket, with headers the API chose (never the uploader's).

        Conditional (CopySourceIfMatch): if the source was replaced after it was checked, the store copies
        nothing and this raises ObjectChanged.
        """
        try:
            with store_calls("copy"):
                self._client.copy_object(
                    Bucket=self.bucket,
                    Key=target,
                    CopySource={"Bucket": self.bucket, "Key": source},
                    CopySourceIfMatch=etag,
                    MetadataDirective="REPLACE",
                    ContentType=content_type,
                    ContentDisposition=disposition,
                    Metadata=metadata,
                    # Keys are never reused, so caches may keep them for good.
                    CacheControl="public, max-age=31536000, immutable",
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in PRECONDITION_FAILED:
                raise ObjectChanged(source) from None
            raise

    def list_keys(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every key under `prefix` with when it was last written, page by page (1,000 keys a call)."""
        paginator = self._client.get_paginator("list_objects_v2")
        with store_calls("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    yield entry["Key"], entry["LastModified"]

    def delete(self, keys: Iterable[str]) -> None:
        """Delete every key, in batches; keys already gone are fine. 503 if any could not be deleted."""
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            with store_calls("delete"):
                answer = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            failed = [e for e in answer.get("Errors", []) if e.get("Code") not in NOT_FOUND]
            if failed:
                log.error("object store: %d of %d deletes failed (%s)", len(failed), len(batch), failed[0].get("Code"))
                raise StoreUnavailable()

    def ensure_bucket(self, cors_origins: list[str]) -> None:
        """Create the bucket if missing and let browsers from `cors_origins` POST uploads and GET media."""
        with store_calls("create bucket"):
            try:
                self._client.create_bucket(Bucket=self.bucket)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in ALREADY_THERE:
                    raise
            if cors_origins:
                rule = {"AllowedOrigins": cors_origins, "AllowedMethods": ["POST", "GET"], "AllowedHeaders": ["*"]}
                self._client.put_bucket_cors(
                    Bucket=self.bucket, CORSConfiguration={"CORSRules": [{**rule, "MaxAgeSeconds": 600}]}
                )
