"""Courses: priced or free, starting on a date, labelled with catalog tags (CONTRACT §5.2)."""
