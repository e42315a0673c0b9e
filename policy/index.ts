// Entry point of the policy pack: builds the pack from the domain factories. Constructing it starts
// the analyzer's gRPC server, so tests import the policies, never this file.
import { PolicyPack } from "@pulumi/policy";
import { platformPolicies } from "./policies";

new PolicyPack("data-platform", {
    description: "Security and availability rules of the data platform on Kubernetes: Pod Security Standards, images and resources, networking, secrets and TLS, availability.",
    enforcementLevel: "mandatory",
    policies: platformPolicies(),
});
