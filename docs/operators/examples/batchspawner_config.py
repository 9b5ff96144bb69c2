# Added to jupyterhub_config.py: each user's server runs as a Slurm job on the cluster
# (batchspawner 1.3). The Hub submits with `sudo -E -u <user> sbatch`, so it runs as root or
# with sudo rights for sbatch, squeue and scancel; the users exist on the Hub's machine.
c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

c.JupyterHub.spawner_class = "batchspawner.SlurmSpawner"

# The servers call the Hub's API (batchspawner reports its port, hpc-jupyter reads the
# user's token) from the compute nodes: listen where they can reach it, and tell them where.
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = "hub.cluster.example.org"  # the Hub's name as nodes see it

c.SlurmSpawner.req_partition = "interactive"
c.SlurmSpawner.req_runtime = "8:00:00"
c.SlurmSpawner.req_memory = "16G"
# The environment on the node that has hpc-jupyter, batchspawner and jupyterlab installed.
c.SlurmSpawner.req_prologue = "source /apps/jupyter/bin/activate"
c.Spawner.start_timeout = 300  # a job may wait in the queue
c.Spawner.http_timeout = 120
