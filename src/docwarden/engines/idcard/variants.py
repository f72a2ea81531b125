"""Traditional and variant characters back to the simplified forms the card prints.

Resident ID cards are printed in simplified Chinese, but the recogniser's
character set also holds traditional and Japanese forms, and it returns them
when a glyph looks alike (黃 for 黄, 內 for 内) or its language prior pulls
(漢 for 汉).  Mapping those back is a normalisation, not a guess: none of the
keys below is a character of simplified text (ambiguous pairs such as 乾/干,
於/于, 畬/畲 are left out on purpose).
"""

from __future__ import annotations

_PAIRS = (
    "漢汉 維维 爾尔 滿满 壯壮 薩萨 東东 鄉乡 納纳 頗颇 達达 錫锡 烏乌 別别 羅罗 溫温 獨独 "
    "龍龙 倫伦 門门 諾诺 鮮鲜 瑤瑶 彞彝 黃黄 內内 吳吴 戶户 華华 國国 陽阳 長长 馬马 張张 "
    "陳陈 劉刘 楊杨 趙赵 孫孙 鄭郑 謝谢 許许 韓韩 馮冯 鄧邓 蘇苏 呂吕 盧卢 鍾钟 譚谭 陸陆 "
    "賈贾 韋韦 鄒邹 賀贺 顧顾 龔龚 萬万 錢钱 嚴严 湯汤 廣广 遼辽 陝陕 雲云 貴贵 臺台 灣湾 "
    "寧宁 義义 區区 縣县 鎮镇 號号 樓楼 單单 組组 業业 園园 農农 鳳凤 興兴 橋桥 莊庄 廠厂 "
    "關关 遠远 運运 連连 進进 邊边 過过 還还 濱滨 滬沪 蘭兰 滄沧 聖圣 習习 葉叶 麗丽 偉伟 "
    "傑杰 軍军 濤涛 剛刚 穎颖 慶庆 強强 紅红 艷艳 靜静 嬌娇 蕭萧 範范 後后 裡里 鐵铁 開开 "
    "發发 機机 歲岁 書书 寶宝 壽寿 誠诚 讓让 識识 體体 學学 廳厅 衛卫 隊队 險险 陰阴 際际 "
    "隨随 階阶 陣阵 館馆 飛飞 鵬鹏 鴻鸿 鳴鸣 鶴鹤 麥麦 齊齐 齡龄 黨党 點点 驗验 騰腾 駐驻 "
    "頭头 題题 顏颜 願愿 順顺 須须 領领 頓顿 頂顶 預预 類类 風风 養养 餘余 氣气 漁渔 淺浅 "
    "測测 溝沟 潔洁 潤润 澤泽 濟济 燈灯 營营 爐炉 牆墙 獅狮 現现 環环 瑪玛 產产 畝亩 畫画 "
    "當当 盤盘 眾众 礦矿 碼码 確确 禮礼 種种 稱称 穩稳 竇窦 筆笔 築筑 簡简 糧粮 紀纪 約约 "
    "純纯 紙纸 級级 細细 絲丝 經经 綠绿 網网 綿绵 練练 總总 績绩 織织 聯联 聲声 職职 肅肃 "
    "腦脑 與与 舊旧 蓮莲 蔣蒋 藍蓝 蘆芦 處处 補补 裝装 見见 規规 視视 親亲 覺觉 觀观 計计 "
    "記记 設设 證证 評评 詩诗 話话 誌志 語语 說说 調调 談谈 請请 諸诸 謙谦 講讲 議议 護护 "
    "讀读 變变 豐丰 貝贝 財财 貢贡 貨货 責责 賢贤 資资 賓宾 贊赞 車车 軒轩 輝辉 輪轮 轉转 "
    "鄰邻 醫医 銀银 銅铜 鋼钢 錦锦 鏡镜 鐘钟 間间 閔闵 閣阁 閻阎 雙双 雞鸡 離离 難难 電电 "
    "靈灵 韻韵 響响 顯显 駕驾 魚鱼 魯鲁 鳥鸟 鹽盐 幫帮 廟庙 彎弯 徑径 從从 復复 應应 懷怀 "
    "戰战 擁拥 據据 擴扩 數数 斷断 時时 晉晋 暉晖 曉晓 會会 樂乐 樹树 橫横 檢检 權权 歡欢 "
    "歷历 歸归 決决 況况 湧涌 漲涨 潛潜 災灾 為为 無无 煥焕 爭争 愛爱 態态 價价 儀仪 億亿 "
    "優优 兒儿 兩两 劃划 動动 勝胜 勞劳 勵励 協协 參参 啟启 問问 喬乔 團团 圍围 圖图 圓圆 "
    "場场 塊块 壩坝 夢梦 奪夺 奮奋 婦妇 實实 寫写 寬宽 對对 專专 將将 尋寻 導导 層层 岡冈 "
    "嶺岭 嶽岳 巖岩 師师 帶带 廈厦 彈弹 彥彦 悅悦 憲宪 揚扬 擊击 敘叙 暢畅 條条 來来 楓枫 "
    "極极 榮荣 構构 標标 樣样 檔档 櫻樱 歐欧 濃浓 瀋沈 熱热 燦灿 爺爷 獎奖 瑩莹 畢毕 異异 "
    "監监 盡尽 祿禄 禎祯 稅税 窮穷 競竞 簽签 粵粤 紋纹 終终 統统 綜综 緊紧 線线 緣缘 編编 "
    "繼继 續续 聞闻 臨临 萊莱 藝艺 藥药 蟲虫 衝冲 詞词 詳详 認认 論论 譜谱 譽誉 負负 貫贯 "
    "貿贸 賴赖 購购 賽赛 贈赠 躍跃 較较 載载 輔辅 輕轻 轄辖 辦办 邁迈 遙遥 適适 選选 遺遗 "
    "郵邮 釋释 鈞钧 鉛铅 銘铭 鋒锋 鋪铺 錄录 錯错 鏈链 閱阅 隱隐 雜杂 頌颂 頒颁 頻频 額额 "
    "飲饮 飾饰 饒饶 駒驹 駿骏 騎骑 驚惊 鯉鲤 鴨鸭 鵝鹅 鷹鹰 齋斋 龐庞 灤滦 蘊蕴 葦苇 蔥葱 "
    "涼凉 瀘泸 閩闽 贛赣 濰潍 棗枣 鄖郧 荊荆 婁娄 欽钦 隴陇 綏绥 撫抚 紹绍 蕪芜 廬庐 鄆郓 "
    "鄲郸 潁颍 僑侨 瓊琼 嶼屿 塢坞 堯尧 禕祎 瑋玮 詠咏 瓏珑 瀅滢 淵渊 瀾澜 灝灏 曄晔 燁烨 "
    "煒炜 鈺钰 銳锐 鍇锴 錚铮 聰聪 豔艳 嬋婵 嫻娴 倆俩 傳传 倉仓 側侧 儉俭 塗涂 釗钊 嘯啸"
)
TO_SIMPLIFIED = str.maketrans({pair[0]: pair[1] for pair in _PAIRS.split()})


def to_simplified(text: str) -> str:
    """Replace traditional/variant forms the recogniser returned by the printed simplified ones."""
    return text.translate(TO_SIMPLIFIED)
