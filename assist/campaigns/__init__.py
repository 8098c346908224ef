"""Send-warmth campaigns, visits, sample checks and women workers health screening."""
