/** The network graph lives in the product (`roleplane diagram` draws it); the tests import it from here as before. */
export {
  allowedFlows,
  type Endpoint,
  externalEndpoints,
  externalPod,
  podEndpoints,
} from '../../charts/inspect/network-graph.js';
