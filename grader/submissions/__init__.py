"""Reading students' submissions: per-student files, and the formats registered in `formats`."""
