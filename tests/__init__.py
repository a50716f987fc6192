"""Tests of memory-agent."""
