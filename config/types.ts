import * as pulumi from "@pulumi/pulumi";
import { TierName } from "../components/namespaces/tiers";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

/** The kind of environment a stack deploys; it selects defaults and which rules are strict. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** CPU and memory for one side (requests or limits) of a container's resources. */
export interface ComputeQuantities {
    readonly cpu: string;
    readonly memory: string;
}

/** Requests and limits of a container. */
export interface ResourceSettings {
    readonly requests: ComputeQuantities;
    readonly limits: ComputeQuantities;
}

/** A persistent volume: its storage class (the cluster default when unset) and size. */
export interface StorageSettings {
    readonly storageClass?: string;
    readonly size: string;
}

/** Where and how the program talks to Kubernetes. */
export interface KubernetesSettings {
    /** kubeconfig context; the current context when unset. */
    readonly context?: string;
    /** When set, the provider writes YAML manifests to this directory instead of applying them. */
    readonly renderYamlTo?: string;
}

/** The registry that built images are pushed to and pulled from. */
export interface RegistrySettings {
    /** Registry host and optional path, e.g. `ghcr.io/acme/platform` or `localhost:5001`. */
    readonly server: string;
    /** Push built images; false for local clusters that load images directly (kind/minikube). */
    readonly push: boolean;
    readonly username?: string;
    /** Pulumi secret; only read from secure config. */
    readonly password?: pulumi.Output<string>;
}

/** ResourceQuota of one tier's namespace. */
export interface QuotaSettings {
    readonly requestsCpu: string;
    readonly requestsMemory: string;
    readonly limitsCpu: string;
    readonly limitsMemory: string;
    readonly requestsStorage: string;
    readonly persistentVolumeClaims: number;
    readonly pods: number;
    /** Services of type LoadBalancer (only the edge tier should need any). */
    readonly loadBalancers: number;
    /** Services of type NodePort (only the edge tier on a local cluster should need any). */
    readonly nodePorts: number;
}

/** Quota and container defaults (LimitRange) of one tier. */
export interface TierSettings {
    readonly quota: QuotaSettings;
    /** Requests and limits given to containers that declare none. */
    readonly containerDefaults: ResourceSettings;
}

export interface NamespaceSettings {
    /** Namespace names are `<prefix>-<tier>`. */
    readonly prefix: string;
    readonly tiers: Readonly<Record<TierName, TierSettings>>;
}

/** The PostgreSQL (Patroni) cluster. */
export interface PostgresSettings {
    /** Patroni members: 1 in dev, an odd number >= 3 elsewhere. */
    readonly members: number;
    /** PostgreSQL major version of the image. */
    readonly version: string;
    readonly storage: StorageSettings;
    readonly resources: ResourceSettings;
}

/** The whole, validated configuration of one stack. */
export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    /** Base DNS domain; services are published as `<service>.<domain>`. */
    readonly domain: string;
    readonly kubernetes: KubernetesSettings;
    readonly registry: RegistrySettings;
    readonly namespaces: NamespaceSettings;
    readonly postgres: PostgresSettings;
}
