"""Tests of posts: the noun, its pages, imports and exports."""
