"""Quotas per account over a rolling 24 hours (app/quotas.py): the window, Retry-After, races, settings."""

from __future__ import annotations

import uuid
from datetime import timedelta

from app import quotas
from app.errors import TooManyRequests
from app.models import QuotaUsage, utcnow
from config import QUOTAS, ConfigError, TestConfig
from tests.views import TCBase

POSTS = "QUOTA_POSTS_PER_DAY"


class ThreePostsADay(TestConfig):
    QUOTA_POSTS_PER_DAY = 3


class TestWindow(TCBase):
    config = ThreePostsADay

    def charges(self, account: str, *ages_and_amounts: tuple[timedelta, int]) -> None:
        """Charges made `age` ago, as if by earlier requests."""
        now = utcnow()
        with self.app.app_context():
            for age, amount in ages_and_amounts:
                at = now - age  # inserted as stored: saving a model would stamp it with now
                QuotaUsage._get_collection().insert_one(
                    {
                        "_id": str(uuid.uuid4()),
                        "account": account,
                        "quota": POSTS,
                        "amount": amount,
                        "created_at": at,
                        "updated_at": at,
                        "expires_at": at + quotas.WINDOW,
                    }
                )

    def test_a_charge_over_the_quota_is_refused_and_leaves_nothing_behind(self):
        with self.app.app_context():
            for _ in range(3):
                quotas.charge("a", POSTS)
            with self.assertRaises(TooManyRequests) as refused:
                quotas.charge("a", POSTS)

            self.assertEqual(quotas.used("a", POSTS), 3)
            self.assertEqual(QuotaUsage.objects(account="a").count(), 3)
            self.assertIn(POSTS, refused.exception.detail)
            self.assertEqual(quotas.remaining("b", POSTS), 3)  # per account

    def test_retry_after_is_when_enough_of_the_window_has_aged_out(self):
        self.charges("a", (timedelta(hours=23), 1), (timedelta(hours=20), 1), (timedelta(hours=1), 1))
        with self.app.app_context():
            with self.assertRaises(TooManyRequests) as one:
                quotas.charge("a", POSTS)
            with self.assertRaises(TooManyRequests) as two:
                quotas.charge("a", POSTS, 2)

        self.assertAlmostEqual(int(one.exception.headers["Retry-After"]), 3600, delta=2)  # the 23-hour-old one
        self.assertAlmostEqual(int(two.exception.headers["Retry-After"]), 4 * 3600, delta=2)  # and the 20-hour one

    def test_charges_older_than_a_day_no_longer_count(self):
        self.charges("a", (timedelta(hours=24, seconds=1), 3))
        with self.app.app_context():
            quotas.charge("a", POSTS, 3)

    def test_of_two_racing_charges_the_one_summing_last_sees_both_and_gives_its_own_back(self):
        """Both inserted before either summed: the second sum is over, so that charge is deleted again."""
        self.charges("a", (timedelta(minutes=5), 2))
        with self.app.app_context():
            racing = QuotaUsage(account="a", quota=POSTS, amount=1, expires_at=utcnow() + quotas.WINDOW).save()
            with self.assertRaises(TooManyRequests):
                quotas.charge("a", POSTS)  # inserted, summed 4 > 3, deleted

            self.assertEqual(quotas.used("a", POSTS), 3)
            racing.delete()
            quotas.charge("a", POSTS)

    def test_a_charge_under_a_known_id_is_made_once_and_can_be_refunded(self):
        with self.app.app_context():
            record = quotas.charge("a", POSTS, 2, record_id="00000000-0000-4000-8000-000000000001")
            quotas.charge("a", POSTS, 2, record_id=record)
            self.assertEqual(quotas.used("a", POSTS), 2)

            quotas.refund(record)
            self.assertEqual(quotas.used("a", POSTS), 0)

    def test_charge_up_to_takes_what_is_left(self):
        with self.app.app_context():
            quotas.charge("a", POSTS)
            self.assertEqual(quotas.charge_up_to("a", POSTS, 5, record_id="00000000-0000-4000-8000-000000000002"), 2)
            self.assertEqual(quotas.charge_up_to("a", POSTS, 5, record_id="00000000-0000-4000-8000-000000000002"), 2)
            self.assertEqual(quotas.charge_up_to("a", POSTS, 5, record_id="00000000-0000-4000-8000-000000000003"), 0)

    def test_more_than_the_whole_quota_at_once_says_so(self):
        with self.app.app_context(), self.assertRaises(TooManyRequests) as refused:
            quotas.charge("a", POSTS, 4)

        self.assertIn("more than your daily quota", refused.exception.detail)
        self.assertEqual(refused.exception.headers["Retry-After"], "86400")


class NoPostsQuota(TestConfig):
    QUOTA_POSTS_PER_DAY = 0


class TestOff(TCBase):
    config = NoPostsQuota

    def test_zero_means_no_quota_and_nothing_is_recorded(self):
        with self.app.app_context():
            for _ in range(5):
                self.assertIsNone(quotas.charge("a", POSTS))
            self.assertIsNone(quotas.remaining("a", POSTS))
            self.assertEqual(QuotaUsage.objects.count(), 0)


class TestSettings(TCBase):
    def test_defaults(self):
        config = self.app.config
        self.assertEqual(config["QUOTA_IMPORT_ITEMS_PER_DAY"], 50_000)  # capability: posts, jobs
        self.assertEqual(config["QUOTA_EXPORTS_PER_DAY"], 24)  # capability: posts, jobs
        self.assertEqual(config["QUOTA_POSTS_PER_DAY"], 1_000)  # capability: posts
        self.assertEqual(config["QUOTA_UPLOAD_BYTES_PER_DAY"], 200 * 1024 * 1024)  # capability: uploads
        self.assertEqual({name for name in config if name.startswith("QUOTA_")}, set(QUOTAS))

    def test_each_is_an_integer_and_not_negative(self):
        for name in QUOTAS:
            with self.subTest(name):
                self.assertEqual(TestConfig.settings({name: "7"})[name], 7)
                self.assertEqual(TestConfig.settings({name: "0"})[name], 0)
                with self.assertRaisesRegex(ConfigError, name):
                    TestConfig.settings({name: "-1"})
                with self.assertRaisesRegex(ConfigError, name):
                    TestConfig.settings({name: "lots"})
