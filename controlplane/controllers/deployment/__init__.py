"""The Deployment controller: one ReplicaSet per pod template, rolled from old to new by strategy."""
