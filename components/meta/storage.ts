// Persistent data of stateful workloads.
import { StorageSettings } from "../../config/types";

/** Volumes outlive their StatefulSet: deleting or scaling it down never deletes data. */
export const KEEP_VOLUMES = { whenDeleted: "Retain", whenScaled: "Retain" } as const;

/** The `data` volume claim template of a StatefulSet, from the config's class and size. */
export function dataVolumeClaim(labels: Record<string, string>, storage: StorageSettings) {
    return {
        metadata: { name: "data", labels },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: storage.storageClass, resources: { requests: { storage: storage.size } } },
    };
}
