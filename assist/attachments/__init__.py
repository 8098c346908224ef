"""Uploaded documents (ID copies, household registers, diagnoses, income proofs, consent forms).

Any record can own attachments: a domain registers an owner type with `register_owner`, saying
how to load the owner within the user's scope and who may read and add documents.
"""
