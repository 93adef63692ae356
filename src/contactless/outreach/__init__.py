"""Outreach (营销协同): RM QR codes, group codes, scans and attribution."""
