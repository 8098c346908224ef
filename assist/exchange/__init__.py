"""Files exchanged with outside bodies: civil-affairs checks (民政核对) and bank transfers (代发)."""
