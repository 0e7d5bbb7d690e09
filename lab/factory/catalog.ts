/**
 * What the emulated Image Factory can build: Talos versions and official extension names.
 *
 * - Versions: the release tags v1.12.0–v1.12.11 and v1.13.0–v1.13.9 of siderolabs/talos.
 * - Extensions: the `TARGETS` and `NONFREE_TARGETS` of siderolabs/extensions' Makefile at tag
 *   v1.13.9, with the `siderolabs/` prefix the factory lists them under. The real factory lists the
 *   extensions of each Talos version separately; the lab offers this one list for every version.
 *   Image references and digests in the lab's listing are derived, not real.
 *
 * @example
 * ```ts
 * OFFICIAL_EXTENSIONS.includes("siderolabs/qemu-guest-agent"); // true
 * ```
 */

export const TALOS_VERSIONS: readonly string[] = [
  ...Array.from({ length: 12 }, (_, i) => `v1.12.${i}`),
  ...Array.from({ length: 10 }, (_, i) => `v1.13.${i}`),
];

const NAMES = `amazon-ena amdgpu amd-ucode binfmt-misc bird2 bnx2-bnx2x btrfs chelsio-drivers chelsio-firmware
cloudflared crun ctr drbd dvb-cx23885 dvb-m88ds3103 ecr-credential-provider fuse3 gasket-driver gpio-pinctrl
glibc gvisor gvisor-debug hailort hello-world-service i915 intel-ice-firmware intel-npu intel-ucode iscsi-tools
joydev kata-containers lldpd mdadm mei mellanox-mstflint metal-agent multipath-tools nebula netbird newt
nfs-utils nfsd nfsrahead nut-client nvidia-container-toolkit-lts nvidia-container-toolkit-production
nvidia-fabricmanager-lts nvidia-fabricmanager-production nvidia-gdrdrv-device nvidia-open-gpu-kernel-modules-lts
nvidia-open-gpu-kernel-modules-production nvme-cli px-fuse soci-snapshotter panfrost qemu-guest-agent
qlogic-firmware realtek-firmware revpi-firmware rockchip-rknn spin stargz-snapshotter tailscale tenstorrent
thunderbolt trident-iscsi-tools uhid uinput usb-modem-drivers usb-audio-drivers util-linux-tools
v4l-uvc-drivers vc4 vmtoolsd-guest-agent wasmedge xdma-driver xe xen-guest-agent youki zerotier zfs
nonfree-kmod-nvidia-lts nonfree-kmod-nvidia-production`;

/** Official extension names, e.g. `siderolabs/qemu-guest-agent`. */
export const OFFICIAL_EXTENSIONS: readonly string[] = NAMES.split(/\s+/).filter(Boolean).map((n) =>
  `siderolabs/${n}`
).sort();

/**
 * Old names the factory still resolves (siderolabs/image-factory `internal/profile`
 * `ExtensionNameAlias`): a schematic may use either.
 */
export const EXTENSION_ALIASES: Readonly<Record<string, string>> = {
  "siderolabs/v4l-uvc": "siderolabs/v4l-uvc-drivers",
  "siderolabs/usb-modem": "siderolabs/usb-modem-drivers",
  "siderolabs/gasket": "siderolabs/gasket-driver",
  "siderolabs/talos-vmtoolsd": "siderolabs/vmtoolsd-guest-agent",
  "siderolabs/xe-guest-utilities": "siderolabs/xen-guest-agent",
  "siderolabs/nvidia-container-toolkit": "siderolabs/nvidia-container-toolkit-lts",
  "siderolabs/nvidia-open-gpu-kernel-modules": "siderolabs/nvidia-open-gpu-kernel-modules-lts",
  "siderolabs/nonfree-kmod-nvidia": "siderolabs/nonfree-kmod-nvidia-lts",
  "siderolabs/nvidia-fabricmanager": "siderolabs/nvidia-fabric-manager-lts",
  "siderolabs/i915-ucode": "siderolabs/i915",
  "siderolabs/amdgpu-firmware": "siderolabs/amdgpu",
};

/** True when the factory can put this extension into an image. */
export function extensionAvailable(
  name: string,
  available: readonly string[] = OFFICIAL_EXTENSIONS,
): boolean {
  return available.includes(name) ||
    (name in EXTENSION_ALIASES && available.includes(EXTENSION_ALIASES[name]));
}
