// The KMS version reported by kms.status and the channel hello.
export const KMS_VERSION = '0.1.0';
