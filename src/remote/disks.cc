// lsblk's pairs format, and rotor's own unmount/mount commands written and read back.
#include "remote/disks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>

#include "core/strings.h"

namespace rotor::remote {
namespace {

// Root's own, else through sudo without a prompt: the ssh user is the configuration's to choose.
constexpr char kAsRoot[] =
    "as_root() { if [ \"$(id -u)\" -eq 0 ]; then \"$@\"; else sudo -n \"$@\"; fi; }; ";

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// One line of KEY="VALUE" pairs; lsblk writes unsafe bytes as \xHH.
std::optional<std::map<std::string, std::string>> Pairs(const std::string& line) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    size_t eq = line.find("=\"", i);
    if (eq == std::string::npos) return std::nullopt;
    std::string key = line.substr(i, eq - i), value;
    size_t j = eq + 2;
    for (; j < line.size() && line[j] != '"'; ++j) {
      if (line[j] == '\\' && j + 3 < line.size() && line[j + 1] == 'x' && Hex(line[j + 2]) >= 0 &&
          Hex(line[j + 3]) >= 0) {
        value += static_cast<char>(Hex(line[j + 2]) * 16 + Hex(line[j + 3]));
        j += 3;
      } else {
        value += line[j];
      }
    }
    if (j >= line.size()) return std::nullopt;
    out[key] = value;
    i = j + 1;
  }
  return out;
}

// One value of lsblk's pairs, escaped as lsblk escapes it.
std::string Quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = byte > 0x20 && byte < 0x7f && c != '"' && c != '\\';
    out += plain ? std::string(1, c) : fmt::format("\\x{:02x}", byte);
  }
  return out + "\"";
}

// Xen names /dev/sdf /dev/xvdf; EC2 may report either.
std::string XenName(const std::string& device) {
  if (device.rfind("/dev/sd", 0) == 0) return "/dev/xvd" + device.substr(7);
  return device;
}

// Splits our own commands into words: spaces separate, 'single quotes' group (with '\'' for a
// quote inside), as ShellWord writes them.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\'') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace

std::string ListDisksCommand() {
  return "lsblk -P -p -b -o NAME,PKNAME,SERIAL,MOUNTPOINT,TYPE,FSTYPE,SIZE";
}

core::Result<std::vector<Disk>> ParseDisks(const std::string& output) {
  std::vector<Disk> disks;
  int n = 0;
  for (const std::string& line : core::Split(output, '\n')) {
    ++n;
    if (core::Trim(line).empty()) continue;
    auto pairs = Pairs(line);
    if (!pairs || !pairs->count("NAME")) {
      return core::InvalidArgument(
          fmt::format("lsblk's output line {} is not KEY=\"VALUE\" pairs: {}", n, line));
    }
    std::string size = (*pairs)["SIZE"];
    std::int64_t bytes = 0;
    auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), bytes);
    if (!size.empty() && (error != std::errc() || end != size.data() + size.size())) {
      return core::InvalidArgument(
          fmt::format("lsblk's output line {} has SIZE \"{}\", not a number of bytes", n, size));
    }
    disks.push_back(Disk{(*pairs)["NAME"], (*pairs)["PKNAME"], (*pairs)["SERIAL"],
                         (*pairs)["MOUNTPOINT"], (*pairs)["TYPE"], (*pairs)["FSTYPE"], bytes});
  }
  return disks;
}

std::string FormatDisks(const std::vector<Disk>& disks) {
  std::string out;
  for (const Disk& d : disks) {
    out += fmt::format("NAME={} PKNAME={} SERIAL={} MOUNTPOINT={} TYPE={} FSTYPE={} SIZE=\"{}\"\n",
                       Quoted(d.name), Quoted(d.parent), Quoted(d.serial), Quoted(d.mountpoint),
                       Quoted(d.type), Quoted(d.fstype), d.size_bytes);
  }
  return out;
}

std::vector<Disk> DisksOfVolume(const std::vector<Disk>& disks, const std::string& volume_id,
                                const std::string& device) {
  std::string serial = volume_id;
  serial.erase(std::remove(serial.begin(), serial.end(), '-'), serial.end());
  auto whole = std::find_if(disks.begin(), disks.end(), [&](const Disk& d) {
    return d.parent.empty() && !serial.empty() && d.serial == serial;
  });
  if (whole == disks.end() && !device.empty()) {
    whole = std::find_if(disks.begin(), disks.end(), [&](const Disk& d) {
      return d.parent.empty() && (d.name == device || d.name == XenName(device));
    });
  }
  if (whole == disks.end()) return {};
  std::vector<Disk> out = {*whole};
  // Partitions, and what sits on them (lvm, crypt), found by parent, breadth first.
  for (size_t k = 0; k < out.size(); ++k) {
    for (const Disk& d : disks) {
      if (d.parent == out[k].name) out.push_back(d);
    }
  }
  return out;
}

std::vector<std::string> MountPoints(const std::vector<Disk>& disks) {
  std::vector<std::string> out;
  for (const Disk& d : disks) {
    if (!d.mountpoint.empty() && d.mountpoint != "[SWAP]") out.push_back(d.mountpoint);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string UnmountCommand(const std::vector<std::string>& mountpoints) {
  std::string cmd = kAsRoot;
  for (const std::string& m : mountpoints) cmd += "as_root umount " + ShellWord(m) + " && ";
  return cmd + "as_root sync";
}

std::string MountCommand(const std::string& device, const std::string& mountpoint) {
  return std::string(kAsRoot) + "as_root mkdir -p " + ShellWord(mountpoint) + " && as_root mount " +
         ShellWord(device) + " " + ShellWord(mountpoint);
}

std::string TarOutCommand(const std::vector<std::string>& paths) {
  std::string cmd = std::string(kAsRoot) + "as_root tar -C / -cpf - --";
  for (const std::string& p : paths) {
    cmd += " " + ShellWord(p.find_first_not_of('/') == std::string::npos
                               ? "."
                               : p.substr(p.find_first_not_of('/')));
  }
  return cmd;
}

FsGrow GrowFor(const std::string& fstype, bool mounted) {
  bool ext = fstype == "ext2" || fstype == "ext3" || fstype == "ext4";
  if (ext && !mounted) return FsGrow::kExtOffline;
  if (ext) return fstype == "ext2" ? FsGrow::kNone : FsGrow::kExtOnline;  // ext2: offline only
  if (!mounted) return FsGrow::kNone;
  if (fstype == "xfs") return FsGrow::kXfs;
  if (fstype == "btrfs") return FsGrow::kBtrfs;
  return FsGrow::kNone;
}

int PartitionNumber(const std::string& disk, const std::string& partition) {
  if (!partition.starts_with(disk) || partition.size() == disk.size()) return 0;
  std::string rest = partition.substr(disk.size());
  if (rest.starts_with("p")) rest.erase(0, 1);
  if (rest.empty() || rest.size() > 3 || !std::all_of(rest.begin(), rest.end(), ::isdigit)) {
    return 0;
  }
  return std::stoi(rest);
}

std::string GrowPartCommand(const std::string& disk, int partition) {
  return fmt::format("{}as_root growpart {} {}", kAsRoot, ShellWord(disk), partition);
}

std::string CheckFsCommand(const std::string& device) {
  return fmt::format("{}as_root e2fsck -f -p {}", kAsRoot, ShellWord(device));
}

std::string GrowFsCommand(FsGrow grow, const std::string& device, const std::string& mountpoint) {
  switch (grow) {
    case FsGrow::kXfs:
      return fmt::format("{}as_root xfs_growfs {}", kAsRoot, ShellWord(mountpoint));
    case FsGrow::kBtrfs:
      return fmt::format("{}as_root btrfs filesystem resize max {}", kAsRoot,
                         ShellWord(mountpoint));
    default:
      return fmt::format("{}as_root resize2fs {}", kAsRoot, ShellWord(device));
  }
}

std::string TarInCommand() { return std::string(kAsRoot) + "as_root tar -C / -xpf -"; }

DiskCommand ParseDiskCommand(const std::string& command) {
  DiskCommand out;
  if (command == ListDisksCommand()) {
    out.kind = DiskCommand::Kind::kList;
    return out;
  }
  if (command.rfind(kAsRoot, 0) != 0) return out;
  std::vector<std::string> words = Words(command.substr(std::string(kAsRoot).size()));
  // as_root VERB ARGS... [&& as_root VERB ARGS...]
  std::vector<std::vector<std::string>> parts(1);
  for (const std::string& w : words) {
    if (w == "&&") {
      parts.emplace_back();
    } else {
      parts.back().push_back(w);
    }
  }
  for (const auto& p : parts) {
    if (p.size() < 2 || p[0] != "as_root") return DiskCommand{};
    if (p[1] == "umount" && p.size() == 3) {
      out.kind = DiskCommand::Kind::kUnmount;
      out.mountpoints.push_back(p[2]);
    } else if (p[1] == "mount" && p.size() == 4) {
      out.kind = DiskCommand::Kind::kMount;
      out.device = p[2];
      out.mountpoints = {p[3]};
    } else if (p[1] == "growpart" && p.size() == 4 && !p[3].empty() &&
               std::all_of(p[3].begin(), p[3].end(), ::isdigit) && p[3].size() < 4) {
      out.kind = DiskCommand::Kind::kGrowPart;
      out.device = p[2];
      out.partition = std::stoi(p[3]);
    } else if (p[1] == "e2fsck" && p.size() == 5 && p[2] == "-f" && p[3] == "-p") {
      out.kind = DiskCommand::Kind::kCheckFs;
      out.device = p[4];
    } else if (p[1] == "resize2fs" && p.size() == 3) {
      out.kind = DiskCommand::Kind::kGrowFs;
      out.device = p[2];
    } else if ((p[1] == "xfs_growfs" && p.size() == 3) ||
               (p[1] == "btrfs" && p.size() == 6 && p[2] == "filesystem" && p[3] == "resize" &&
                p[4] == "max")) {
      out.kind = DiskCommand::Kind::kGrowFs;
      out.mountpoints = {p.back()};
    } else if (!(p[1] == "sync" || (p[1] == "mkdir" && p.size() == 4 && p[2] == "-p"))) {
      return DiskCommand{};
    }
  }
  return out;
}

std::string ShellWord(const std::string& text) {
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string("/._-+:=@,%").find(c) != std::string::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace rotor::remote
