"""Scale-out on Celery + Redis behind the `Dispatcher` seam (DESIGN.md section 6).

API nodes put jobs on one queue per engine (`CeleryDispatcher`); compute nodes
(`docwarden worker`) take them and run them through their own governed
supervisor (`node.run_node`).  Only JSON crosses Redis (`codec`), never pickle.
Nothing below the API imports this package: local mode never loads Celery.
"""
