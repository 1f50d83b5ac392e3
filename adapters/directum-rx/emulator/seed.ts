// What a Directum of an administration already holds when the bridge is connected: its own
// directories (question classifier, document kinds, delivery methods, business units,
// departments, employees) and the applications that open version bodies. Two installations:
// - SHIPPED_INSTALLATION matches the shipped mappings/directum-rx.yaml (every name and code it
//   uses), so the demo registers.
// - FOREIGN_INSTALLATION is an agency unlike our mapping: its own names, a leaf-only classifier
//   with other codes, a closed question, one department name in two business units, other ids,
//   and names that differ from the shipped ones only by case, ё or spaces (see the entries).

type Status = 'Active' | 'Closed';

export interface SeedQuestion {
  FullCode: string;
  Name: string;
  /** Defaults to the last segment of FullCode. */
  Code?: string;
  Status?: Status;
}

export interface SeedNamedEntry {
  Name: string;
  Code?: string;
  Status?: Status;
}

export interface SeedBusinessUnit extends SeedNamedEntry {
  LegalName?: string;
  TIN?: string;
}

export interface SeedDepartment extends SeedNamedEntry {
  ShortName?: string;
  /** The business unit's Name. */
  businessUnit?: string;
}

/** A department by name, or by name and business unit where the name alone is ambiguous. */
export type SeedDepartmentRef = string | { name: string; businessUnit: string };

export interface SeedEmployee {
  LastName: string;
  FirstName: string;
  MiddleName?: string;
  JobTitle?: string;
  department?: SeedDepartmentRef;
  Email?: string;
  Phone?: string;
  Status?: Status;
}

export interface SeedApplication {
  Name: string;
  Extension: string;
}

export interface InstallationSeed {
  /** For messages and the control API (`shipped`, `foreign`). */
  name: string;
  /** First Id of an entity set's sequence (default 1): installations do not share ids. */
  firstIds?: Readonly<Record<string, number>>;
  questions: readonly SeedQuestion[];
  documentKinds: readonly SeedNamedEntry[];
  deliveryMethods: readonly SeedNamedEntry[];
  businessUnits: readonly SeedBusinessUnit[];
  departments: readonly SeedDepartment[];
  employees: readonly SeedEmployee[];
  applications: readonly SeedApplication[];
}

const SHIPPED_QUESTIONS: SeedQuestion[] = [
  // Theme level (NNNN.NNNN.NNNN.0000): what the shipped mapping falls back to when only the ПОС category is known.
  { FullCode: '0001.0001.0001.0000', Name: 'Прочие вопросы государственного и муниципального управления' },
  { FullCode: '0002.0006.0063.0000', Name: 'Образование' },
  { FullCode: '0002.0006.0066.0000', Name: 'Культура, физическая культура и спорт' },
  { FullCode: '0002.0007.0074.0000', Name: 'Здравоохранение' },
  { FullCode: '0002.0013.0141.0000', Name: 'Социальная защита населения' },
  { FullCode: '0003.0009.0098.0000', Name: 'Общественный транспорт' },
  { FullCode: '0003.0009.0099.0000', Name: 'Дорожное хозяйство' },
  { FullCode: '0003.0009.0100.0000', Name: 'Парковки и парковочные места' },
  { FullCode: '0003.0010.0104.0000', Name: 'Связь и телекоммуникации' },
  { FullCode: '0003.0011.0121.0000', Name: 'Охрана окружающей среды' },
  { FullCode: '0004.0016.0162.0000', Name: 'Общественная безопасность' },
  { FullCode: '0005.0005.0055.0000', Name: 'Благоустройство придомовых территорий' },
  { FullCode: '0005.0005.0056.0000', Name: 'Содержание жилищного фонда и коммунальные услуги' },
  { FullCode: '0005.0005.0057.0000', Name: 'Обращение с твёрдыми коммунальными отходами' },
  { FullCode: '0005.0005.0058.0000', Name: 'Электроснабжение' },
  { FullCode: '0005.0005.0059.0000', Name: 'Газификация' },
  // Question level.
  { FullCode: '0001.0002.0024.0101', Name: 'Работа органов местного самоуправления' },
  { FullCode: '0001.0002.0027.0123', Name: 'Обращения, заявления и жалобы граждан' },
  { FullCode: '0002.0006.0063.0250', Name: 'Устройство детей в дошкольные образовательные организации' },
  { FullCode: '0002.0006.0066.0270', Name: 'Строительство и содержание спортивных объектов' },
  { FullCode: '0002.0007.0074.0300', Name: 'Запись на приём к врачу, доступность медицинской помощи' },
  { FullCode: '0002.0013.0141.0400', Name: 'Меры социальной поддержки отдельных категорий граждан' },
  { FullCode: '0003.0009.0097.0685', Name: 'Уборка снега, опавших листьев, мусора и посторонних предметов' },
  { FullCode: '0003.0009.0097.0686', Name: 'Озеленение. Вырубка деревьев, кустарников. Создание зелёных зон' },
  { FullCode: '0003.0009.0098.0690', Name: 'Работа маршрутов общественного транспорта, расписание' },
  { FullCode: '0003.0009.0098.0691', Name: 'Остановочные пункты общественного транспорта' },
  { FullCode: '0003.0009.0099.0700', Name: 'Ямы и выбоины на дорогах' },
  { FullCode: '0003.0009.0099.0701', Name: 'Ремонт проезжей части автомобильных дорог местного значения' },
  { FullCode: '0003.0009.0099.0702', Name: 'Дорожная разметка и дорожные знаки' },
  { FullCode: '0003.0009.0100.0710', Name: 'Парковка на газонах и придомовой территории' },
  { FullCode: '0003.0010.0104.0750', Name: 'Качество мобильной связи' },
  { FullCode: '0003.0011.0121.0800', Name: 'Несанкционированные свалки' },
  { FullCode: '0004.0016.0162.0900', Name: 'Безнадзорные животные' },
  { FullCode: '0005.0005.0055.1140', Name: 'Содержание детских и спортивных площадок' },
  { FullCode: '0005.0005.0055.1141', Name: 'Уличное и дворовое освещение' },
  { FullCode: '0005.0005.0056.1150', Name: 'Отопление' },
  { FullCode: '0005.0005.0056.1151', Name: 'Ремонт кровли и фасада многоквартирного дома' },
  { FullCode: '0005.0005.0056.1152', Name: 'Водоснабжение и водоотведение' },
  { FullCode: '0005.0005.0056.1153', Name: 'Отсутствие отопления в жилом помещении' },
  { FullCode: '0005.0005.0057.1160', Name: 'Содержание контейнерных площадок' },
  { FullCode: '0005.0005.0057.1161', Name: 'Несвоевременный вывоз твёрдых коммунальных отходов' },
  { FullCode: '0005.0005.0058.1170', Name: 'Перебои в электроснабжении' },
  { FullCode: '0005.0005.0059.1180', Name: 'Подключение (технологическое присоединение) к газовым сетям' },
];

const APPLICATIONS: SeedApplication[] = [
  { Name: 'Adobe Acrobat Reader', Extension: 'pdf' },
  { Name: 'Блокнот', Extension: 'txt' },
  { Name: 'Microsoft Word', Extension: 'docx' },
  { Name: 'Microsoft Word 97-2003', Extension: 'doc' },
  { Name: 'Microsoft Excel', Extension: 'xlsx' },
  { Name: 'Microsoft Excel 97-2003', Extension: 'xls' },
  { Name: 'Rich Text Format', Extension: 'rtf' },
  { Name: 'LibreOffice Writer', Extension: 'odt' },
  { Name: 'LibreOffice Calc', Extension: 'ods' },
  { Name: 'Просмотр изображений JPEG', Extension: 'jpg' },
  { Name: 'Просмотр изображений JPEG', Extension: 'jpeg' },
  { Name: 'Просмотр изображений PNG', Extension: 'png' },
  { Name: 'Просмотр изображений GIF', Extension: 'gif' },
  { Name: 'Просмотр изображений BMP', Extension: 'bmp' },
  { Name: 'Просмотр изображений TIFF', Extension: 'tif' },
  { Name: 'Просмотр изображений TIFF', Extension: 'tiff' },
  { Name: 'Просмотр изображений HEIC', Extension: 'heic' },
  { Name: 'Видеопроигрыватель', Extension: 'mp4' },
  { Name: 'Архиватор ZIP', Extension: 'zip' },
  { Name: 'Архиватор 7-Zip', Extension: '7z' },
  { Name: 'Архиватор RAR', Extension: 'rar' },
  { Name: 'Веб-браузер', Extension: 'html' },
  { Name: 'XML-документ', Extension: 'xml' },
  { Name: 'Двоичный файл', Extension: 'bin' },
];

const CITY = 'Администрация города';

export const SHIPPED_INSTALLATION: InstallationSeed = {
  name: 'shipped',
  questions: SHIPPED_QUESTIONS,
  documentKinds: [
    { Name: 'Обращение гражданина', Code: 'ОГ' },
    { Name: 'Входящее письмо', Code: 'ВхП' },
    { Name: 'Исходящее письмо', Code: 'ИсхП' },
  ],
  deliveryMethods: [
    { Name: 'Портал Госуслуг (ПОС)', Code: 'ПОС' },
    { Name: 'Почта', Code: 'Почта' },
    { Name: 'Электронная почта', Code: 'Email' },
    { Name: 'Личный прием', Code: 'Лично' },
  ],
  businessUnits: [{ Name: CITY, LegalName: 'Администрация муниципального образования «Город»', Code: 'АГ', TIN: '5904000123' }],
  departments: [
    // Every department mappings/directum-rx.yaml names (departmentBySubject and its default).
    { Name: 'Общий отдел', Code: '01' },
    { Name: 'Управление дорожного хозяйства', Code: '10' },
    { Name: 'Управление жилищно-коммунального хозяйства', ShortName: 'УЖКХ', Code: '11' },
    { Name: 'Управление благоустройства', Code: '12' },
    { Name: 'Управление транспорта', Code: '13' },
    { Name: 'Комитет по здравоохранению', Code: '14' },
    { Name: 'Управление образования', Code: '15' },
    { Name: 'Отдел экологии и природопользования', Code: '16' },
    { Name: 'Отдел связи и информатизации', Code: '17' },
    { Name: 'Управление общественной безопасности', Code: '18' },
    { Name: 'Управление социальной защиты населения', ShortName: 'УСЗН', Code: '19' },
    { Name: 'Управление культуры и спорта', Code: '20' },
    // Where the employees below work.
    { Name: 'Отдел по работе с обращениями граждан', Code: '02' },
    { Name: 'Руководство', Code: '00' },
  ].map((department) => ({ ...department, businessUnit: CITY })),
  employees: [
    {
      LastName: 'Белова',
      FirstName: 'Елена',
      MiddleName: 'Андреевна',
      JobTitle: 'Главный специалист',
      department: 'Отдел по работе с обращениями граждан',
      Email: 'belova@adm.example.ru',
      Phone: '+7 342 200-10-01',
    },
    {
      LastName: 'Козлов',
      FirstName: 'Игорь',
      MiddleName: 'Николаевич',
      JobTitle: 'Начальник отдела',
      department: 'Управление благоустройства',
      Email: 'kozlov@adm.example.ru',
      Phone: '+7 342 200-10-02',
    },
    {
      LastName: 'Орлова',
      FirstName: 'Татьяна',
      MiddleName: 'Павловна',
      JobTitle: 'Заместитель главы администрации',
      department: 'Руководство',
      Email: 'orlova@adm.example.ru',
      Phone: '+7 342 200-10-03',
    },
  ],
  applications: APPLICATIONS,
};

const DISTRICT_CENTRAL = 'Администрация Центрального района';
const DISTRICT_NORTH = 'Администрация Северного района';
const CITY_DISTRICT = 'Администрация городского округа «Заречный»';

/**
 * An agency unlike our mapping. Names that differ from SHIPPED_INSTALLATION's only in spelling:
 * delivery method `Портал госуслуг  (ПОС)` (case and a double space), `Личный приём` (ё), document
 * kind `обращение гражданина` (case), department `Общий  отдел` (double space), question
 * `Несвоевременный вывоз твердых коммунальных отходов` (е for ё, another code). Department
 * `Отдел дорог и транспорта` exists in two business units (codes ЦР-ОДТ, СР-ОДТ); question
 * 0003.0008.0087.0599 is Closed.
 */
export const FOREIGN_INSTALLATION: InstallationSeed = {
  name: 'foreign',
  firstIds: {
    IQuestions: 7001,
    IDocumentKinds: 301,
    IMailDeliveryMethods: 401,
    IBusinessUnits: 501,
    IDepartments: 601,
    IEmployees: 901,
    IPersons: 20001,
    IAssociatedApplications: 801,
    IRequests: 150001,
    IOutgoingLetters: 60001,
    IExternalEntityLinks: 90001,
  },
  questions: [
    { FullCode: '0001.0002.0025.0131', Name: 'Деятельность органов местного самоуправления' },
    { FullCode: '0001.0002.0027.0134', Name: 'Рассмотрение обращений граждан' },
    { FullCode: '0002.0006.0064.0255', Name: 'Зачисление в детский сад' },
    { FullCode: '0002.0007.0075.0310', Name: 'Доступность первичной медицинской помощи' },
    { FullCode: '0002.0013.0142.0410', Name: 'Социальная поддержка многодетных семей' },
    { FullCode: '0003.0008.0087.0599', Name: 'Ремонт дорог (до 2024 года)', Status: 'Closed' },
    { FullCode: '0003.0008.0087.0600', Name: 'Ремонт и содержание дорог местного значения' },
    { FullCode: '0003.0008.0087.0601', Name: 'Ямы и выбоины на дорогах' },
    { FullCode: '0003.0008.0087.0602', Name: 'Светофоры, разметка, дорожные знаки' },
    { FullCode: '0003.0008.0088.0620', Name: 'Маршруты и расписание городского транспорта' },
    { FullCode: '0003.0008.0089.0630', Name: 'Парковки во дворах' },
    { FullCode: '0003.0012.0123.0810', Name: 'Свалки мусора' },
    { FullCode: '0004.0016.0163.0910', Name: 'Отлов безнадзорных животных' },
    { FullCode: '0005.0005.0054.1121', Name: 'Детские площадки во дворах' },
    { FullCode: '0005.0005.0054.1122', Name: 'Освещение дворов и улиц' },
    { FullCode: '0005.0005.0054.1123', Name: 'Уборка снега и наледи во дворах' },
    { FullCode: '0005.0005.0060.1190', Name: 'Нет отопления' },
    { FullCode: '0005.0005.0060.1191', Name: 'Качество горячего и холодного водоснабжения' },
    { FullCode: '0005.0005.0060.1192', Name: 'Капитальный ремонт многоквартирных домов' },
    { FullCode: '0005.0005.0061.1201', Name: 'Несвоевременный вывоз твердых коммунальных отходов' },
    { FullCode: '0005.0005.0061.1202', Name: 'Контейнерные площадки' },
    { FullCode: '0005.0005.0062.1210', Name: 'Отключения электроэнергии' },
  ],
  documentKinds: [
    { Name: 'Обращение граждан (электронное)', Code: 'ОГЭ' },
    { Name: 'Обращение граждан (письменное)', Code: 'ОГП' },
    { Name: 'обращение гражданина', Code: 'ОГ-старый' },
    { Name: 'Входящий документ', Code: 'ВхД' },
    { Name: 'Исходящее письмо', Code: 'ИсхП' },
  ],
  deliveryMethods: [
    { Name: 'ЕПГУ / Платформа обратной связи', Code: 'ПОС' },
    { Name: 'Портал госуслуг  (ПОС)', Code: 'ЕПГУ' },
    { Name: 'Почта России', Code: 'Почта' },
    { Name: 'Электронная почта', Code: 'Email' },
    { Name: 'Личный приём', Code: 'Лично' },
  ],
  businessUnits: [
    { Name: CITY_DISTRICT, LegalName: 'Администрация городского округа «Заречный» Пермского края', Code: 'АГО', TIN: '5904100209' },
    { Name: DISTRICT_CENTRAL, LegalName: 'Администрация Центрального района городского округа «Заречный»', Code: 'ЦР', TIN: '5904200316' },
    { Name: DISTRICT_NORTH, LegalName: 'Администрация Северного района городского округа «Заречный»', Code: 'СР', TIN: '5904300494' },
  ],
  departments: [
    { Name: 'Канцелярия', Code: 'К', businessUnit: CITY_DISTRICT },
    { Name: 'Общий  отдел', Code: 'ОО', businessUnit: CITY_DISTRICT },
    { Name: 'Сектор по работе с обращениями граждан', Code: 'СОГ', businessUnit: CITY_DISTRICT },
    { Name: 'Комитет ЖКХ', ShortName: 'КЖКХ', Code: 'КЖКХ', businessUnit: CITY_DISTRICT },
    { Name: 'Комитет по благоустройству и озеленению', Code: 'КБО', businessUnit: CITY_DISTRICT },
    { Name: 'Комитет образования', Code: 'КО', businessUnit: CITY_DISTRICT },
    { Name: 'Отдел здравоохранения', Code: 'ОЗ', businessUnit: CITY_DISTRICT },
    { Name: 'Комитет социальной защиты', Code: 'КСЗ', businessUnit: CITY_DISTRICT },
    { Name: 'Отдел экологии', Code: 'ОЭ', businessUnit: CITY_DISTRICT },
    { Name: 'Приёмная главы', Code: 'ПГ', businessUnit: CITY_DISTRICT },
    { Name: 'Отдел дорог и транспорта', Code: 'ЦР-ОДТ', businessUnit: DISTRICT_CENTRAL },
    { Name: 'Отдел дорог и транспорта', Code: 'СР-ОДТ', businessUnit: DISTRICT_NORTH },
  ],
  employees: [
    {
      LastName: 'Семёнова',
      FirstName: 'Алёна',
      MiddleName: 'Викторовна',
      JobTitle: 'Ведущий специалист',
      department: 'Сектор по работе с обращениями граждан',
      Email: 'semenova@zarechny.example.ru',
      Phone: '+7 34215 2-11-01',
    },
    {
      LastName: 'Громов',
      FirstName: 'Сергей',
      MiddleName: 'Петрович',
      JobTitle: 'Начальник отдела',
      department: { name: 'Отдел дорог и транспорта', businessUnit: DISTRICT_CENTRAL },
      Email: 'gromov@zarechny.example.ru',
      Phone: '+7 34215 2-11-02',
    },
    {
      LastName: 'Ким',
      FirstName: 'Виктор',
      MiddleName: 'Алексеевич',
      JobTitle: 'Председатель комитета',
      department: 'Комитет ЖКХ',
      Email: 'kim@zarechny.example.ru',
      Phone: '+7 34215 2-11-03',
    },
  ],
  applications: APPLICATIONS,
};

export const INSTALLATIONS = { shipped: SHIPPED_INSTALLATION, foreign: FOREIGN_INSTALLATION } as const satisfies Record<
  string,
  InstallationSeed
>;
export type InstallationName = keyof typeof INSTALLATIONS;
