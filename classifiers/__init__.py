"""Reading, linking, scoring and lead rules: pure functions over records, with thin DB stages."""
