"""Offline IPFS packing: UnixFS folder CIDs as kubo or ipfs-car computes them, and CARv1 files."""
