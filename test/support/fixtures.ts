// Valid App Mesh specs with domain names, shared by the API, xDS and gateway suites.

export const MakeHttpListener = (port = 8080, protocol: "http" | "http2" | "grpc" | "tcp" = "http") => ({ portMapping: { port, protocol } });

export const MakeVirtualNodeSpec = (hostname: string, backends: string[] = [], port = 8080) => ({
  listeners: [MakeHttpListener(port)],
  serviceDiscovery: { dns: { hostname } },
  backends: backends.map((virtualServiceName) => ({ virtualService: { virtualServiceName } })),
});

export const MakeVirtualRouterSpec = (port = 8080) => ({ listeners: [MakeHttpListener(port)] });

export const MakeHttpRouteSpec = (targets: Array<[string, number]>, options: { prefix?: string; priority?: number } = {}) => ({
  ...(options.priority === undefined ? {} : { priority: options.priority }),
  httpRoute: {
    match: { prefix: options.prefix ?? "/" },
    action: { weightedTargets: targets.map(([virtualNode, weight]) => ({ virtualNode, weight })) },
  },
});

export const MakeVirtualGatewaySpec = (port = 8080) => ({ listeners: [MakeHttpListener(port)] });

export const MakeGatewayRouteSpec = (virtualServiceName: string, prefix = "/") => ({
  httpRoute: { match: { prefix }, action: { target: { virtualService: { virtualServiceName } } } },
});
