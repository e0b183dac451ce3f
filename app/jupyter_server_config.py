# Jupyter server / Voila configuration for the fusing_forces annotation widget.
#
# jupyter_server never sets TCP_NODELAY on the kernel websocket, so every small kernel->browser message
# (a repainted overlay after a stroke) may wait for the browser's delayed ACK (about 40 ms). The connection
# class below is the default one with set_nodelay(True) on the websocket handler.
#
# Use it with your own server in one of these ways:
#   jupyter lab --config=app/jupyter_server_config.py
#   cp app/jupyter_server_config.py ~/.jupyter/jupyter_server_config.py    (or append these lines to yours)
#   jupyter lab --ServerApp.kernel_websocket_connection_class=fusing_forces.app.NoDelayConnection
#   voila --Voila.kernel_websocket_connection_class=fusing_forces.app.NoDelayConnection nbs/app/annotate.ipynb
# `ff_annotate` (fusing_forces.app.serve_cli) applies it to the Voila server it starts, together with the fix that
# lets a closed Voila page shut its kernel down (fusing_forces.app.voila_main) and the culling of idle kernels below.
c = get_config()  # noqa: F821 (provided by the Jupyter config loader)
c.ServerApp.kernel_websocket_connection_class = 'fusing_forces.app.NoDelayConnection'
c.Voila.kernel_websocket_connection_class = 'fusing_forces.app.NoDelayConnection'
# A backstop for kernels whose page went away without shutting them down: cull them after 2 minutes without a
# connection and without activity (connected kernels are never culled).
c.MappingKernelManager.cull_idle_timeout = 120
c.MappingKernelManager.cull_interval = 30
