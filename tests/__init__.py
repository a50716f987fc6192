"""Tests for memory-agent."""
