"""mwaa-platform: MWAA as a multi-region platform with DR."""
